"""Exports of the data for people: calendars (ics.py) and the Markdown handbook (report.py)."""
