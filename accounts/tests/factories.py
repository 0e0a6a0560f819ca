import datetime

import factory
from django.utils import timezone

from accounts.models import Practice, Role, SupervisionAssignment, User

# Tests use the demo password so that a person reading a failing test can sign in as the user.
PASSWORD = "alliance-demo"


class PracticeFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = Practice
        django_get_or_create = ("name",)

    name = factory.Sequence(lambda n: f"Practice {n}")
    time_zone = "Europe/London"


class UserFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = User
        skip_postgeneration_save = True

    username = factory.Sequence(lambda n: f"user{n}")
    first_name = factory.Faker("first_name")
    last_name = factory.Faker("last_name")
    email = factory.LazyAttribute(lambda u: f"{u.username}@example.org")
    practice = factory.SubFactory(PracticeFactory)
    role = Role.THERAPIST
    password = factory.django.Password(PASSWORD)


class TherapistFactory(UserFactory):
    role = Role.THERAPIST


class SupervisorFactory(UserFactory):
    role = Role.SUPERVISOR


class PracticeAdminFactory(UserFactory):
    role = Role.PRACTICE_ADMIN


class SupervisionAssignmentFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = SupervisionAssignment

    therapist = factory.SubFactory(TherapistFactory)
    supervisor = factory.SubFactory(SupervisorFactory, practice=factory.SelfAttribute("..therapist.practice"))
    practice = factory.SelfAttribute("therapist.practice")
    starts_on = factory.LazyFunction(lambda: timezone.localdate() - datetime.timedelta(days=180))
    ends_on = None
