"""The profiles: what each answers, and the jim overlay."""
