"""The back-office shell: layout, navigation and dashboard. No domain logic lives here."""
