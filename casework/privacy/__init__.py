"""Personal data's protections around the record (PIPL): who saw a full identity
(``access_log``), how long an unsuccessful application keeps it (``retention``, with the
hooks features register), and pages and answers no browser or proxy keeps (``no_store``)."""
