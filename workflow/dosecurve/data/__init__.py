"""Reading researchers' files into one validated session table: readers, layouts, session checks,
id codes.
"""
