"""Create a business for operators and scripts: its number is one Lasso's platform Twilio
account owns, attached without a subaccount and without calling Twilio (its webhooks are
checked with the platform's token). --configure-webhooks also has Twilio point the number at
Lasso (IncomingPhoneNumbers update, through calls.numbers)."""

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
        parser.add_argument(
            "--configure-webhooks",
            action="store_true",
            help="Also ask Twilio to point the number's calls and texts at Lasso (the number "
            "must belong to the platform account, TWILIO_ACCOUNT_SID).",
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
        # The slug stays the last line printed: scripts read it.
        problem = self._configure(created.number) if options["configure_webhooks"] else ""
        self.stdout.write(
            f"Created {business.name} with number {created.number.phone_number} "
            f"({created.number.mode}); owner {created.owner.email}"
            + (" (new user)" if created.owner_created else " (existing user)")
        )
        self.stdout.write(business.slug)
        if problem:
            raise CommandError(problem)

    def _configure(self, number: TwilioNumber) -> str:
        """Have Twilio point the number at Lasso; what went wrong, or "" when it did."""
        from calls import numbers
        from messaging import twilio_numbers

        if not twilio_numbers.enabled():
            return (
                "--configure-webhooks needs Twilio (LASSO_SMS_BACKEND=twilio with "
                "TWILIO_ACCOUNT_SID and TWILIO_AUTH_TOKEN); the business was created."
            )
        outcome = numbers.configure(number_id=number.pk)
        if outcome not in {"configured", "unchanged"}:
            return (
                f"Twilio did not take the webhooks of {number.phone_number} ({outcome}; see "
                "the log); the business was created, and the scheduler will try again."
            )
        self.stdout.write(f"Twilio now sends {number.phone_number}'s calls and texts to Lasso.")
        return ""
