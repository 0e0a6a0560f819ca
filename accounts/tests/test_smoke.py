from accounts.models import User


def test_owner_fixture_is_a_therapist(owner):
    assert User.objects.get(pk=owner.pk).is_therapist
