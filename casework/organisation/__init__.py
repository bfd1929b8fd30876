"""The association's three-level organisation (district, township/street, village;
enterprise associations and migrant groups as units of their own), office holders, 宣传员
and volunteers, training sessions with attendance, activity days (5·29), model-association
assessments.

The record: models and services. Its pages and API are ``workflows.organisation``."""
