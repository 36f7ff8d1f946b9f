"""Resident services: tickets (报修/投诉/室温) and SLAs (tickets.py), room-temperature rules, inspections and
compensation (quality.py), 报停/恢复供暖 applications (optout.py); shared types in types.py."""
