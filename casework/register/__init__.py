"""The member roster (会员花名册) as the services read it: dues (``dues``), the roster in and
out of Excel (``excel``), a household's eligibility facts (``facts``; many at once in
constant memory, ``bulk_facts``) and the what-if over the roster (``simulation``)."""
