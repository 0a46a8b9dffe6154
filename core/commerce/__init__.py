"""The commerce side of the domain (seed 002): email accounts, projects (a project is a
shop), imported orders, the inbox's threads, period figures and reports."""
