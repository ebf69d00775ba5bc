// MetaReport
