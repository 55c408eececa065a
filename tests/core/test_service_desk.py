"""The façade without paper: first run, staff, lock, outing, residents, matters, validation."""

from __future__ import annotations

import pytest

from shared.errors import StationError
from station import config, paths
from station.people import IdNumberError
from station.service import CaseDraft, LockedError, NotInitialisedError, Service, UnlockError
from tests.support.station import ELDER_ID, ELDER_NAME, PASS, full_mz01


def test_fresh_machine_needs_first_run(fresh: Service):
    assert not fresh.initialised
    assert "新成村" in fresh.known_sites()
    with pytest.raises(NotInitialisedError):
        fresh.staff()
    status = fresh.status()
    assert status.locked and status.station_name == ""


@pytest.mark.parametrize(("kwargs", "key"), [
    ({"name": " "}, "service.name_empty"),
    ({"sites": ["", " "]}, "service.sites_empty"),
    ({"staff_name": ""}, "service.staff_name_empty"),
    ({"passphrase": "short"}, "service.passphrase_short"),
])
def test_initialise_rejects_bad_input_and_writes_nothing(fresh: Service, kwargs, key):
    args = {"name": "厅", "sites": ["新成村"], "staff_name": "王芳", "passphrase": PASS} | kwargs
    with pytest.raises(StationError) as err:
        fresh.initialise(**args)
    assert err.value.key == key
    assert not paths.config_file().exists() and not paths.queue_file().exists()


def test_initialise_once_and_unlocked(fresh: Service):
    member = fresh.initialise(name="厅", sites=["新成村", "新成村", "嘉乐"], staff_name="王芳",
                              passphrase=PASS)
    assert not fresh.locked and fresh.current_staff == member
    assert fresh.sites() == ["新成村", "嘉乐"]
    with pytest.raises(StationError) as err:
        fresh.initialise(name="厅", sites=["x"], staff_name="y", passphrase=PASS)
    assert err.value.key == "service.already_initialised"


def test_staff_lock_unlock_and_failures(service: Service):
    newcomer = service.add_staff("李明", "another passphrase")
    assert [m.name for m in service.staff()] == ["王芳", "李明"]
    with pytest.raises(StationError) as err:
        service.add_staff("李明", "yet another one")
    assert err.value.key == "service.staff_exists"
    service.lock()
    assert service.locked and service.current_staff is None
    with pytest.raises(LockedError):
        service.add_staff("赵六", "passphrase six")
    for attempt in (1, 2):
        with pytest.raises(UnlockError) as err:
            service.unlock(newcomer.id, "wrong passphrase")
        assert err.value.failures == attempt
    assert service.unlock(newcomer.id, "another passphrase") == newcomer
    assert service.status().staff == newcomer
    # A second Service on the same files (a restarted app) sees the new member's slot.
    again = Service(printer=None, reader=None)
    assert again.unlock(newcomer.id, "another passphrase").name == "李明"
    again.close()


def test_backoff_is_waited_then_reported(service: Service):
    waits: list[float] = []
    service.session.sleep = waits.append
    member = service.current_staff
    service.lock()
    failures = []
    for _ in range(5):
        with pytest.raises(UnlockError) as err:
            service.unlock(member.id, "wrong passphrase")
        failures.append(err.value.failures)
    assert failures[:3] == [1, 2, 3]
    assert waits, "a short back-off is waited out before the next try"
    assert err.value.message()  # a sentence, with the delay


def test_idle_lock_after_configured_minutes(service: Service, clock):
    assert service.idle_lock_minutes == 5
    clock.advance(minutes=4)
    assert not service.lock_if_idle()
    service.touch()
    clock.advance(minutes=4, seconds=59)
    assert not service.lock_if_idle()
    clock.advance(seconds=2)
    assert service.lock_if_idle() and service.locked
    with pytest.raises(LockedError):
        service.open_case("ABCDEF-261122-001")
    service.set_idle_lock_minutes(1)
    assert config.load().idle_lock_minutes == 1
    with pytest.raises(StationError):
        service.set_idle_lock_minutes(0)


def test_language_is_kept_in_the_config(service: Service):
    assert service.language == "zh_CN"
    service.set_language("en")
    assert config.load().locale == "en" and service.language == "en"
    with pytest.raises(StationError) as info:
        service.set_language("fr")
    assert info.value.key == "service.locale_unknown"
    # A hand-edited file naming a language the catalogue lacks starts in the default.
    path = paths.config_file()
    path.write_text(path.read_text(encoding="utf-8").replace('locale = "en"', 'locale = "fr"'),
                    encoding="utf-8")
    assert config.load().locale == "zh_CN"


def test_language_before_first_run_is_not_kept(fresh: Service):
    fresh.set_language("en")  # the first-run screen's switch: initialise() takes it instead
    assert fresh.language is None and not config.exists()


def test_outing_adds_a_typed_site(service: Service):
    member = service.current_staff
    chosen = service.start_outing("沧海", [member.id])
    assert service.current_outing() == chosen and "沧海" in service.sites()
    assert service.status().site == "沧海"


def test_resident_typed_and_read_from_card(service: Service, reader):
    with pytest.raises(IdNumberError) as err:
        service.check_id("310101193803120014")
    assert err.value.reason == "check" and "3" in err.value.message()
    with pytest.raises(StationError) as err:
        service.resident(ELDER_ID, "  ")
    assert err.value.key == "intake.name_empty"
    typed = service.resident(ELDER_ID, ELDER_NAME)
    assert typed.age(service.session.today()) >= 80
    assert "80 岁以上，可预约上门服务" in service.resident_hints(typed)
    assert ELDER_ID not in repr(typed) and ELDER_NAME not in repr(typed)

    events = []
    unsubscribe = service.watch_cards(events.append)
    service.lock()  # locked: the card is not read, staff are told to unlock
    service.insert_training_card("elder")
    assert [(e.kind, e.resident, type(e.error)) for e in events] == [
        ("error", None, LockedError)]
    with pytest.raises(LockedError):
        service.read_card()
    service.insert_training_card(None)
    service.unlock("s01", PASS)
    events.clear()
    cards = service.training_cards()
    assert [c.key for c in cards][:1] == ["elder"] and "培训" in cards[0].label
    service.insert_training_card("elder")
    service.insert_training_card(None)
    unsubscribe()
    assert [e.kind for e in events] == ["inserted", "removed"]
    card = events[0].resident
    assert card.source == "training" and card.id.number == ELDER_ID
    assert "培训用虚构居民" in service.resident_hints(card)
    assert service.status().training
    service.insert_training_card("expired")  # an expired card still reads, with a warning
    expired = service.read_card()
    assert expired.warnings == ("hw.card_expired",)
    hints = service.resident_hints(expired)
    assert any("过有效期" in h for h in hints), hints


def test_agent_checks(service: Service):
    with pytest.raises(StationError) as err:
        service.agent("", "女儿")
    assert err.value.key == "intake.agent_id_needed"
    with pytest.raises(StationError) as err:
        service.agent("310105196205200020", " ")
    assert err.value.key == "intake.agent_relation_empty"
    assert service.agent("310105196205200020", "女儿").relation == "女儿"


def test_matter_search_and_guide(service: Service):
    assert service.search_matters("jlk")[0].code == "MZ01"
    assert service.search_matters("MZ01")[0].name == "敬老卡申领"
    assert {m.line for m in service.search_matters(line="SB")} == {"SB"}
    assert all("儿童" in m.menus for m in service.search_matters(menu="儿童"))
    assert len(service.lines()) == 8 and len(service.menus()) == 5
    young = service.resident("310104200001010041", "赵模拟")
    guide = service.matter_guide("MZ01", young)
    assert not guide.eligibility.ok and guide.eligibility.reason
    assert guide.deliveries[0].value in ("centre", "visit", "post")
    payout = next(f for f in guide.fields if f.key == "payout")
    assert payout.kind == "choice" and payout.default == payout.choices[0].value
    assert service.validate_field("MZ01", "phone", "12") is not None
    assert service.validate_field("MZ01", "phone", "13812345678") is None
    assert service.validate_field("MZ01", "nope", "x") is not None
    missing = service.missing_materials("MZ01", [])
    assert missing and all(m.required for m in missing)
    with pytest.raises(StationError) as err:
        service.matter_guide("XX99")
    assert err.value.key == "intake.matter_unknown"


def test_validate_lists_every_problem(service: Service):
    young = service.resident("310104200001010041", "赵模拟")
    draft = CaseDraft(resident=young, matter="MZ01", answers={"phone": "12", "bogus": "x"},
                      materials=frozenset({"nonexistent"}), delivery="post",
                      agent=service.agent("310104200001010041", "本人"))
    keys = [e.key for e in service.validate(draft)]
    assert "intake.not_eligible" in keys
    assert "intake.material_unknown" in keys
    assert "intake.agent_same_person" in keys
    assert keys.count("intake.field_problem") >= 2  # bad phone, unknown field, payout missing
    assert service.validate(full_mz01(service)) == []


def test_record_needs_unlock_and_outing(service: Service, clock):
    draft = full_mz01(service)
    service.lock()
    with pytest.raises(LockedError):
        service.record_case(draft)
    service.unlock("s01", PASS)
    clock.advance(days=1)  # yesterday's outing is not today's
    with pytest.raises(StationError) as err:
        service.record_case(draft)
    assert err.value.key == "service.no_outing"
    assert service.today_cases() == []


def test_half_made_station_is_set_aside_not_lost(fresh: Service):
    paths.queue_file().parent.mkdir(parents=True)
    paths.queue_file().write_bytes(b"left from a first run that died")
    fresh.initialise(name="厅", sites=["新成村"], staff_name="王芳", passphrase=PASS)
    kept = list(paths.data_dir().glob("queue.sqlite3.orphan-*"))
    assert [p.read_bytes() for p in kept] == [b"left from a first run that died"]
    assert not fresh.locked and fresh.today_cases() == []
