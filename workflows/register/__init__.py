"""The member roster (会员花名册) in the staff site: households, membership, dues, the
membership drive, applying on a family's behalf, the Excel import and export."""
