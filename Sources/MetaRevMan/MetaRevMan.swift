// MetaRevMan
