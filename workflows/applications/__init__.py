"""The benefit application: the family's application through village review (and, for cash,
the public notice and objections), township and district approval to the entitlement.

``flow`` is the viewflow process; ``services`` what moves it (submit, decide, resubmit,
withdraw, objections, documents); ``views`` its task pages; ``forms`` their forms."""
