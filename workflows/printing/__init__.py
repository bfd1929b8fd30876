"""Printable documents of a case (the entitlement card, the decision letter) and the public
check of a printed card."""
