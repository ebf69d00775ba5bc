// MetaRunner
