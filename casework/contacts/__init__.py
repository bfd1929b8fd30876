"""Contact households (会员联系户): which member looks after which households, reporting rounds
(每日一报, or on set days), each contact member's reports, missing reports, roll-up by township.

The record: models and services. Its pages and API are ``workflows.contacts``."""
