"""The policy: programs, dated policy parameters, pure rules and their explanations.

Imports nothing of ours. ``evaluate.evaluate(facts, program_code, params, on)`` is the
one entry point casework uses to decide; ``evaluate.replay(snapshot)`` re-runs a stored
decision with its own rule version, parameters and date; ``parameters.resolve(rows, on)``
is the one definition of which dated parameter value is in force. Every rule version
stays callable forever (``rules/__init__.py`` says how a rule changes).
"""
