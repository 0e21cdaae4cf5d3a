"""Training of professionals (issue 16): personas built on the simulator's
rules, the forum's serious game and the training sessions. This first part
holds the personas, read from YAML files (personas.py, personas/)."""
