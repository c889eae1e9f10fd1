"""The public portal (信用城市网站): server-rendered pages."""
