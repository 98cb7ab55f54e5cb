"""What a reader sees: the HTML report, the settings list, the methods paragraph, paper tables and
the comparison of data sets.
"""
