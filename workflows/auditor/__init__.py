"""The auditor's workspace: every case history in the user's area, searched, read as it
stood on a date, checked and exported; and the history of the association's own records."""
