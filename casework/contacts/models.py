"""Contact households (会员联系户): the records."""
