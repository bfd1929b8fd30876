"""Contact households (会员联系户) in the staff site, the family pages and the API; the record is
``casework.contacts``."""
