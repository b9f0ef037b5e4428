"""What the posters do when they change: the catalogue's cached pages show them (common.httpcache), so a poster or
trailer saved or deleted makes the next read fresh, as a movie's own change does (core.receivers)."""
from django.db.models.signals import post_delete, post_save

from common.httpcache import catalogue_changed
from moviemedia.models import MovieMedia

post_save.connect(catalogue_changed, sender=MovieMedia, dispatch_uid="moviemedia.catalogue_changed.save")
post_delete.connect(catalogue_changed, sender=MovieMedia, dispatch_uid="moviemedia.catalogue_changed.delete")
