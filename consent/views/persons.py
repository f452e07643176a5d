"""The person's own pages (本人 and representatives): my data, my consents, who looked at my data,
and accepting an invitation.

A representative acts on each represented person's pages; reads go through the door, which logs them
with the method `representative`, so the person's history shows who acted for them.
"""

from __future__ import annotations

from functools import wraps

from dateutil.relativedelta import relativedelta
from django import forms
from django.contrib import messages
from django.contrib.auth import login
from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied
from django.core.paginator import Paginator
from django.db.models import Value
from django.http import Http404
from django.shortcuts import redirect, render
from django.urls import reverse
from django.utils import timezone
from django.views.decorators.cache import never_cache
from django.views.decorators.http import require_POST

from eligibility import selectors as eligibility_selectors
from eligibility.models import InsuredPerson
from kaigo_portal import access, links
from kaigo_portal.audit.models import Category
from kaigo_portal.errors import ApplicationError
from kaigo_portal.web import confirm

from .. import selectors, services
from ..models import ActingAs, ConsentSource, ConsentStatus, PersonAccount, Representative

HISTORY_DEFAULT_MONTHS = 12


def person_required(view):
    @login_required
    @never_cache
    @wraps(view)
    def wrapper(request, *args, **kwargs):
        if not request.user.is_person:
            raise PermissionDenied("ご本人・代理人のページです。")
        return view(request, *args, **kwargs)

    return wrapper


def persons_acting_for(user) -> list[tuple[InsuredPerson, str]]:
    """The persons this user may act for: themself, and those they represent today."""
    today = timezone.localdate()
    # The ids first (both index lookups, one statement), then the persons by primary key: an OR of the two
    # subqueries over the persons would scan every insured person of every insurer.
    own = (
        PersonAccount.objects.filter(user=user)
        .annotate(how=Value(ActingAs.OWN))
        .values_list("person_id", "how")
        .order_by()  # a model's default ordering is not allowed in a UNION's parts
    )
    represented = (
        Representative.objects.filter(
            user=user, revoked_at__isnull=True, valid_from__lte=today, valid_to__gte=today
        )
        .annotate(how=Value(ActingAs.REPRESENTATIVE))
        .values_list("person_id", "how")
        .order_by()  # a model's default ordering is not allowed in a UNION's parts
    )
    how = {}
    for person_id, acting_as in own.union(represented):
        how[person_id] = ActingAs.OWN if ActingAs.OWN in (acting_as, how.get(person_id)) else acting_as
    persons = InsuredPerson.objects.select_related("insurer").filter(pk__in=how).order_by("pk") if how else []
    return [(p, how[p.pk]) for p in persons]


def _acting_for(request, pk: int) -> InsuredPerson:
    for person, _how in persons_acting_for(request.user):
        if person.pk == pk:
            return person
    raise Http404("not your person")


@person_required
def my_home(request):
    persons = [
        (person, how, links.self_person_links(person.pk)) for person, how in persons_acting_for(request.user)
    ]
    # Moves: which record is the earlier one, and whether the new one still waits for the person's consent.
    accounts = {
        account.person_id: account
        for account in PersonAccount.objects.filter(user=request.user).select_related(
            "moved_from__person__insurer"
        )
    }
    moved_out = set(
        PersonAccount.objects.filter(user=request.user, moved_to__isnull=False).values_list(
            "person_id", flat=True
        )
    )
    moves = {
        person.pk: {
            "from": accounts[person.pk].moved_from.person.insurer,
            "asks_consent": selectors.consent_current(person) is None,
        }
        for person, _how, _extra in persons
        if person.pk in accounts and accounts[person.pk].moved_from_id
    }
    return render(
        request, "consent/me/home.html", {"persons": persons, "moves": moves, "moved_out": moved_out}
    )


@person_required
def my_data(request, pk: int):
    person = _acting_for(request, pk)
    actor = access.Actor.for_request(request)
    try:
        access.authorize(actor, person, Category.ELIGIBILITY, access.Purpose.OWN_DATA)
    except access.Forbidden:
        return render(request, "consent/me/not_yet.html", {"person": person}, status=403)
    card = eligibility_selectors.card_as_of(person, timezone.localdate())
    return render(request, "consent/me/data.html", {"person": person, "card": card})


@person_required
def my_consents(request, pk: int):
    person = _acting_for(request, pk)
    context = {
        "person": person,
        "current": selectors.consent_current(person),
        "history": person.consents.order_by("-effective_date", "-id"),
    }
    return render(request, "consent/me/consents.html", context)


@person_required
@require_POST
def my_consent_change(request, pk: int):
    person = _acting_for(request, pk)
    withdrawing = request.POST.get("action") == "withdraw"
    if not confirm.confirmed(request):
        return confirm.ask(
            request,
            title="同意を撤回しますか" if withdrawing else "同意しますか",
            question=(
                "撤回すると、担当の事業所は次の閲覧から、認定調査票・主治医意見書・ケアプラン・LIFE の情報を"
                "見られなくなります。既に閲覧された情報は取り消せません。あとで、もう一度同意することもできます。"
                if withdrawing
                else "同意すると、担当の事業所（本人確認を行った事業所）が、認定調査票・主治医意見書・ケアプラン・"
                "LIFE の情報を閲覧できるようになります。閲覧は記録され、この画面の「私のデータを見た人」で確かめられます。"
                "いつでも撤回できます。"
            ),
            button="同意を撤回する" if withdrawing else "同意する",
            back=reverse("consent:my_consents", args=[pk]),
            danger=withdrawing,
        )
    if withdrawing:
        services.consent_withdraw(person=person, by=request.user, source=ConsentSource.PERSON)
        messages.success(request, "同意を撤回しました。事業所は次の閲覧から同意が必要な情報を見られません。")
    else:
        services.consent_record(
            person=person, status=ConsentStatus.GRANTED, source=ConsentSource.PERSON, by=request.user
        )
        messages.success(request, "同意しました。")
    return redirect("consent:my_consents", pk)


@person_required
def my_access_log(request, pk: int):
    """Others' reads first, one line per page view, each disputable; the person's own reads and their
    representatives' below, one line per day and reader, never disputable."""
    person = _acting_for(request, pk)
    show_all = request.GET.get("all") == "1"
    since = None if show_all else timezone.now() - relativedelta(months=HISTORY_DEFAULT_MONTHS)
    page = Paginator(selectors.views_by_others(person, since=since), 50).get_page(request.GET.get("page"))
    own = Paginator(selectors.own_views_by_day(person, since=since), 31).get_page(request.GET.get("own_page"))
    return render(
        request,
        "consent/me/access_log.html",
        {
            "person": person,
            "page": page,
            "views": selectors.view_rows(person, list(page.object_list)),
            "own": own,
            "show_all": show_all,
            "account": PersonAccount.objects.filter(user=request.user, person_id=pk).first(),
        },
    )


@person_required
@require_POST
def my_notice_setting(request, pk: int):
    """Only the person themself (not a representative) chooses the e-mail about new organisations."""
    account = PersonAccount.objects.filter(user=request.user, person_id=pk).first()
    if account is None:
        raise Http404("not your own account")
    services.new_organisation_notice_set(account=account, enabled=request.POST.get("enabled") == "1")
    messages.success(request, "通知の設定を変更しました。")
    return redirect("consent:my_access_log", pk)


@person_required
def my_dispute(request, pk: int, entry_id: int):
    """心当たりがない: a page that shows the view and asks, then the case for the municipality."""
    person = _acting_for(request, pk)
    entry = selectors.disputable_entry(person, entry_id)
    if entry is None:
        raise Http404("no such entry of this person's, or one of their own views")
    if request.method == "POST":
        try:
            services.dispute_open(
                person=person, entry_id=entry_id, by=request.user, note=request.POST.get("note", "")
            )
        except ApplicationError as error:
            raise Http404(error.message) from None
        messages.success(request, "市町村に連絡しました。確認のうえ、市町村からご連絡します。")
        return redirect("consent:my_access_log", pk)
    return render(request, "consent/me/dispute.html", {"person": person, "entry": entry})


class AcceptForm(forms.Form):
    code = forms.CharField(label="招待コード（例：ABCD-EFGH-JKMN）", max_length=20)
    name = forms.CharField(label="氏名", max_length=100, required=False)
    email = forms.EmailField(label="メールアドレス（サインインに使います）", required=False)
    password = forms.CharField(label="パスワード（12文字以上）", widget=forms.PasswordInput)


@never_cache
def accept_invitation(request):
    """The invited person (or representative) sets a password here; TOTP set-up follows at once."""
    form = AcceptForm(request.POST or None)
    if request.method == "POST" and form.is_valid():
        try:
            user = services.invitation_accept(**form.cleaned_data)
        except ApplicationError as error:
            form.add_error(None, error.message)
        except forms.ValidationError as error:
            form.add_error("password", error)
        else:
            login(request, user, backend="django.contrib.auth.backends.ModelBackend")
            messages.success(
                request, "アカウントを登録しました。続けて、認証アプリ（TOTP）を設定してください。"
            )
            return redirect("mfa_activate_totp")
    return render(request, "consent/me/accept.html", {"form": form}, status=400 if form.errors else 200)
