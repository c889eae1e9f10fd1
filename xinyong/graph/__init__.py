"""The relationship graph (关联图谱): holdings, officers and legal representatives between
organisations and natural persons, built from shareholder and key personnel records, and the
control analysis (shareholding penetration, actual controller, beneficial owners) on it."""
