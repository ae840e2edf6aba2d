from __future__ import annotations

import factory

from tenants.models import Business, Membership, TwilioNumber, User


class UserFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = User
        skip_postgeneration_save = True

    email = factory.Sequence(lambda n: f"person{n}@example.com")
    password = factory.PostGenerationMethodCall("set_password", "correct-horse-battery")

    @factory.post_generation
    def _save(obj, create, extracted, **kwargs):  # noqa: N805
        if create:
            obj.save()


class BusinessFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = Business

    name = factory.Sequence(lambda n: f"Acme Plumbing {n}")
    slug = factory.Sequence(lambda n: f"acme-plumbing-{n}")
    support_contact = "+15551230000"


class TwilioNumberFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = TwilioNumber

    business = factory.SubFactory(BusinessFactory)
    phone_number = factory.Sequence(lambda n: f"+1415555{n % 10000:04d}")
    forward_to = factory.Sequence(lambda n: f"+1312555{n % 10000:04d}")
    mode = TwilioNumber.Mode.FORWARD


class MembershipFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = Membership

    user = factory.SubFactory(UserFactory)
    business = factory.SubFactory(BusinessFactory)
    role = Membership.Role.OWNER
