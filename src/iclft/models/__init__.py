"""Model backends behind one contract (iclft.models.base): local weights (hf) and served models
(openai_compat)."""

SERVED = "openai:"  # the model.name prefix of a served model: openai:MODEL
