"""An OpenAI-compatible completions server in this process, for the served backend's tests: a
made-up but deterministic model, and the faults a real server shows, each on command.

    Fake.fault = "500"        HTTP 500 with an error body
                 "401"        HTTP 401 (the server wants a key)
                 "malformed"  HTTP 200 whose body is not JSON
                 "slow"       HTTP 200, the body one byte every Fake.delay seconds (each byte in time
                              for a read timeout, the whole answer not)
                 "never"      the connection accepted, no answer at all
                 "cut"        HTTP 200 announcing the whole body, half of it sent, then the
                              connection closed
    Fake.fault_from = K       the first K completions requests are answered well, the rest faulty
    Fake.fault_on = TEXT      only requests with a prompt that holds TEXT are faulty
    Fake.scale = S            every log-probability times S: new weights behind the same model id
    Fake.by_prompt = True     a generated text names its prompt (a digest of it), not its place in
                              the request: the same whatever the batching ("out<digest>.<sample>")

`server()` is the pytest fixture; it resets every setting and gives the base URL.
"""
import json
import re
import threading
import time
import zlib
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer

import pytest

FAULTS = ("500", "401", "malformed", "slow", "never", "cut")
TOKEN = re.compile(r" ?[A-Za-z]+|.", re.S)  # words with their leading space, else one character


def _tokens(text):
    return [(m.start(), m.group()) for m in TOKEN.finditer(text)]


def _logprob(token):
    return -float(len(token)) * Fake.scale  # longer tokens are less likely


class Fake(BaseHTTPRequestHandler):
    calls: list = []
    fail_first = 0  # answer this many requests with HTTP 503 first
    logprobs = True
    one_prompt = False  # as llama.cpp's Python server: a list of several prompts is an HTTP 500
    off_by_one = False  # as llama.cpp's Python server: each prompt token gets the next one's value
    fault: str | None = None  # one of FAULTS
    fault_from = 0
    fault_on: str | None = None
    delay = 0.05
    scale = 1.0
    by_prompt = False
    release = threading.Event()  # set at teardown: a "never" answer stops waiting

    @classmethod
    def reset(cls):
        cls.calls, cls.fail_first, cls.logprobs, cls.one_prompt, cls.off_by_one = [], 0, True, False, False
        cls.fault, cls.fault_from, cls.fault_on, cls.delay, cls.scale = None, 0, None, 0.05, 1.0
        cls.by_prompt = False
        cls.release = threading.Event()

    def log_message(self, *args):
        pass

    def _send(self, code, payload):
        self._send_bytes(code, json.dumps(payload).encode())

    def _send_bytes(self, code, body, sent=None):
        self.send_response(code)
        self.send_header("Content-Type", "application/json")
        self.send_header("Content-Length", str(len(body)))
        self.end_headers()
        if sent is None:
            self.wfile.write(body)
            return
        self.wfile.write(body[:sent])
        self.wfile.flush()

    def do_GET(self):
        self._send(200, {"data": [{"id": "fake-model", "max_model_len": 512, "owned_by": "test"}]})

    def _faulty(self, payload: dict, answer: dict) -> bool:
        """Answer with Fake.fault instead of `answer` where one is due; whether it did."""
        if Fake.fault is None or len(Fake.calls) <= Fake.fault_from:
            return False
        if Fake.fault_on is not None and not any(Fake.fault_on in p for p in payload["prompt"]):
            return False
        body = json.dumps(answer).encode()
        if Fake.fault in ("500", "401"):
            self._send(int(Fake.fault), {"error": {"message": f"fault {Fake.fault}"}})
        elif Fake.fault == "malformed":
            self._send_bytes(200, b'{"choices": [{"index": 0, "text"')
        elif Fake.fault == "never":
            Fake.release.wait(30)
        elif Fake.fault == "cut":
            self._send_bytes(200, body, sent=len(body) // 2)
            self.close_connection = True
        elif Fake.fault == "slow":
            self._send_bytes(200, body, sent=0)
            for k in range(len(body)):
                if Fake.release.wait(Fake.delay):
                    return True
                self.wfile.write(body[k:k + 1])
                self.wfile.flush()
        return True

    def do_POST(self):
        payload = json.loads(self.rfile.read(int(self.headers["Content-Length"])))
        Fake.calls.append(payload)
        if Fake.fail_first:
            Fake.fail_first -= 1
            return self._send(503, {"error": "busy"})
        if Fake.one_prompt and len(payload["prompt"]) > 1:
            return self._send(500, {"error": {"message": "", "type": "internal_server_error"}})
        answer = self._answer(payload)
        if not self._faulty(payload, answer):
            self._send(200, answer)

    def _answer(self, payload: dict) -> dict:
        choices = []
        for i, prompt in enumerate(payload["prompt"]):
            if payload.get("echo"):
                toks = _tokens(prompt) + [(len(prompt), "!")]
                values = [None] + [_logprob(t) for _, t in toks[1:]]
                if Fake.off_by_one:
                    values = [None] + values[2:] + [-0.5]
                lp = {"tokens": [t for _, t in toks], "text_offset": [o for o, _ in toks], "token_logprobs": values}
                choices.append({"index": i, "text": prompt + "!", "logprobs": lp if Fake.logprobs else None})
            else:
                for k in range(payload.get("n", 1)):
                    text = f" out{zlib.crc32(prompt.encode()) if Fake.by_prompt else i}.{k}"
                    lp = {"tokens": [" out"], "text_offset": [len(prompt)], "token_logprobs": [_logprob(" out")]}
                    choices.append({"index": i * payload.get("n", 1) + k, "text": text, "finish_reason": "stop",
                                    "logprobs": lp if payload.get("logprobs") else None})
        return {"choices": choices, "usage": {"prompt_tokens": 3, "completion_tokens": 2 * len(choices)}}


@pytest.fixture
def server():
    Fake.reset()
    httpd = ThreadingHTTPServer(("127.0.0.1", 0), Fake)
    httpd.daemon_threads = True
    threading.Thread(target=httpd.serve_forever, daemon=True).start()
    yield f"http://127.0.0.1:{httpd.server_address[1]}/v1"
    Fake.release.set()
    time.sleep(0)  # let a waiting handler see it
    httpd.shutdown()
    httpd.server_close()
