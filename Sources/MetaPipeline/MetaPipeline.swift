// MetaPipeline
