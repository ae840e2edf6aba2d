from django.core.management.base import BaseCommand, CommandParser

from tenants.models import Business
from tenants.services import create_business

DEMO_SLUG = "demo-plumbing"


class Command(BaseCommand):
    help = "Create the demo business and its owner login, once; later runs change nothing."

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument("--email", default="demo@lasso.test")
        parser.add_argument("--password", default="lasso-demo-2026")

    def handle(self, *args: object, **options: str) -> None:
        if not Business.objects.filter(slug=DEMO_SLUG).exists():
            create_business(
                name="Demo Plumbing",
                slug=DEMO_SLUG,
                number="+15005550006",
                forward_to="+14155550100",
                owner_email=options["email"],
                password=options["password"],
            )
            self.stdout.write("Created the demo business.")
        self.stdout.write(f"Demo login: {options['email']} / {options['password']}")
