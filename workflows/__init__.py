"""The process: viewflow flows, the services that move them, notifications, timers."""
