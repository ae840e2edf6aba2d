import os

from django.core.wsgi import get_wsgi_application

os.environ.setdefault("DJANGO_SETTINGS_MODULE", "lasso.settings")
application = get_wsgi_application()

# Every Twilio account's token into this process's memory before the first webhook, so a
# signature check never waits on the database (the fallback webhook must work without it).
from tenants.onboarding import credentials  # noqa: E402

credentials.load()

from lasso import heap  # noqa: E402

heap.freeze()
