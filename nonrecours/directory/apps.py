from django.apps import AppConfig


class DirectoryConfig(AppConfig):
    name = "nonrecours.directory"
    label = "directory"
    verbose_name = "Annuaire des services"
