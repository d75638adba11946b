"""Chapter 9's mechanism: a chat language model tuned in cycles with sparse LoRA adapters.

- :mod:`.model`: which model (SmolLM2-135M-Instruct by default, any local Hugging Face model) and its loading;
- :mod:`.sparse_lora`: masks, scars and gradient-guided regrowth of the LoRA matrices;
- :mod:`.prompts`: our own prompt sets, tuning and replay data (the volume publishes none);
- :mod:`.scoring`: the rule-based scorer of answers;
- :mod:`.alignment`: one tuning cycle and one evaluation, the arms and the replay trigger.
"""
