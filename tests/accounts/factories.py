import factory
from django.contrib.auth.models import Group

from accounts.models import User

DEFAULT_PASSWORD = "correct horse battery staple"


class UserFactory(factory.django.DjangoModelFactory[User]):
    class Meta:
        model = User
        skip_postgeneration_save = True

    email = factory.Sequence(lambda n: f"person{n}@example.com")
    full_name = factory.Faker("name")
    password = factory.PostGenerationMethodCall("set_password", DEFAULT_PASSWORD)

    @classmethod
    def _after_postgeneration(cls, instance, create, results=None):
        if create:
            instance.save()


def staff_member(*roles: str, **fields) -> User:
    """A staff user holding the named roles (apply_roles must have created them)."""
    staff = UserFactory.create(is_staff=True, **fields)
    groups = Group.objects.filter(name__in=roles)
    assert len(groups) == len(roles), f"unknown roles among {roles}"
    staff.groups.set(groups)
    return staff
