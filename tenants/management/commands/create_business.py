from django.core.management.base import BaseCommand, CommandError, CommandParser

from tenants.models import TwilioNumber
from tenants.services import BusinessSetupError, create_business


class Command(BaseCommand):
    help = "Create a business with its Twilio number and its owner, all at once or not at all."

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument("--name", required=True)
        parser.add_argument("--number", required=True, help="The Twilio number, E.164.")
        parser.add_argument(
            "--forward-to",
            default="",
            help="The phone Lasso rings, E.164: an ordinary landline or mobile in the "
            "Lasso number's country.",
        )
        parser.add_argument("--owner-email", required=True)
        parser.add_argument("--password", default=None)
        parser.add_argument("--slug", default=None)
        parser.add_argument(
            "--mode", choices=TwilioNumber.Mode.values, default=TwilioNumber.Mode.FORWARD
        )

    def handle(self, *args: object, **options: object) -> None:
        try:
            created = create_business(
                name=str(options["name"]),
                number=str(options["number"]),
                forward_to=str(options["forward_to"]),
                owner_email=str(options["owner_email"]),
                password=options["password"],  # type: ignore[arg-type]
                mode=str(options["mode"]),
                slug=options["slug"],  # type: ignore[arg-type]
            )
        except BusinessSetupError as exc:
            raise CommandError(str(exc)) from exc
        business = created.business
        self.stdout.write(
            f"Created {business.name} with number {created.number.phone_number} "
            f"({created.number.mode}); owner {created.owner.email}"
            + (" (new user)" if created.owner_created else " (existing user)")
        )
        self.stdout.write(business.slug)
