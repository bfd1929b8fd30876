"""The policy: programs, dated policy parameters, pure rules and their explanations.

Imports nothing of ours. ``evaluate(facts, program_code, params, on)`` is the
one entry point casework uses.
"""
