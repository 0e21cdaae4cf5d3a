from django.apps import AppConfig


class EventsConfig(AppConfig):
    name = "nonrecours.events"
    label = "events"
    verbose_name = "Événements et formations"
