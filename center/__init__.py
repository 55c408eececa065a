"""The district centre: receives sealed records from stations, keeps coverage, serves reports."""
