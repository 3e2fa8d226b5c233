# Two commands on a fresh machine: `make run` and `make test`.
PYTHON ?= python3.11
VENV := .venv
BIN := $(VENV)/bin
TANYA := $(BIN)/tanya
STAMP := $(VENV)/.installed
# what `make run` needs: the Python packages alone (no database server, no sudo)
RUN_STAMP := $(VENV)/.installed-run
EVAL_DIR ?= ../shared/eval
# pytest-xdist workers for make test (one per core here; the model is built once before they start)
TEST_WORKERS ?= 2

.PHONY: run test lint install eval heldout fit dictionary bench bench-scale clean

$(BIN)/python:
	$(PYTHON) -m venv $(VENV)
	$(BIN)/pip install --quiet --upgrade pip

# torch is installed first and pinned: its CPU wheel is on this machine's disk, an unpinned one is CUDA.
# The tests of TANYA_DATABASE_URL start a real PostgreSQL server: Debian's package provides it.
# deploy/docker-compose.yml is checked by Compose itself (`config`): Debian's docker-compose when
# the Docker CLI has no compose plugin.
POSTGRES_INITDB := $(firstword $(wildcard /usr/lib/postgresql/*/bin/initdb))
APT_GET := $(if $(filter 0,$(shell id -u)),apt-get,sudo apt-get)

$(RUN_STAMP): pyproject.toml | $(BIN)/python
	$(BIN)/pip install --quiet torch==2.13.0
	$(BIN)/pip install --quiet -e '.[openai]'
	touch $(RUN_STAMP)

$(STAMP): pyproject.toml | $(BIN)/python
	@if [ -z "$(POSTGRES_INITDB)" ]; then \
		echo "installing PostgreSQL (Debian package postgresql) for the database tests"; \
		$(APT_GET) update -qq || true; $(APT_GET) install -y -qq postgresql; \
	fi
	@if ! command -v docker-compose >/dev/null && ! docker compose version >/dev/null 2>&1; then \
		echo "installing Docker Compose (Debian package docker-compose) to check deploy/docker-compose.yml"; \
		$(APT_GET) update -qq || true; $(APT_GET) install -y -qq docker-compose; \
	fi
	$(BIN)/pip install --quiet torch==2.13.0
	$(BIN)/pip install --quiet -e '.[dev,openai,bench]'
	touch $(STAMP) $(RUN_STAMP)

install: $(STAMP)

run: $(RUN_STAMP)
	$(TANYA) ingest --bundled
	$(TANYA) ask "Berapa karyawan TikTok di Malaysia yang terkena PHK?"
	@echo
	@echo "Ask your own:        $(TANYA) ask \"your question\"   (or $(TANYA) chat)"
	@echo "Add articles:        $(TANYA) ingest PATH_OR_URL..."
	@echo "Start the Discord bot: put DISCORD_TOKEN in .env (see README, 'Discord'), then $(TANYA) bot"

test: $(STAMP)
	HF_HUB_OFFLINE=1 TRANSFORMERS_OFFLINE=1 $(BIN)/pytest -n $(TEST_WORKERS) --dist loadgroup

lint: $(STAMP)
	$(BIN)/ruff check ingest bot tests bench
	$(BIN)/ruff format --check ingest bot tests bench
	$(BIN)/mypy

bench: $(STAMP)
	HF_HUB_OFFLINE=1 $(BIN)/python bench/loop_lag.py
	HF_HUB_OFFLINE=1 $(BIN)/python bench/perf.py --sizes 1000,10000

# adds a 100k-chunk index (about two hours on 2 cores: 100k passages to embed); the built indexes
# are kept in .bench-indexes/ and reused by the next run (delete it after changing how ingest works)
bench-scale: $(STAMP)
	HF_HUB_OFFLINE=1 $(BIN)/python bench/perf.py --sizes 1000,10000,100000 --index-cache .bench-indexes

# Every development set: the shared ones and the chat-style sets in tests/data (about articles of
# their own, indexed with --articles). The index is kept in .eval-index for the next run. news_dev
# (720 chat questions on 24 news articles no one working on the chain has read) over an index of
# its own articles and the bundled one, kept in .eval-index-news. offtopic_dev (questions on subjects
# no article holds) over the eight bundled, unseen and story articles alone, kept in .eval-index-off
# (the passages of the shared sets answer some of them: Wikipedia's subjects). changed3_dev and
# changed4_dev (what changed between reports, each written by a helper that saw none of the chain)
# over those and two more stories of four dated articles each (tests/data/story2, story3), kept in
# .eval-index-stories. changed5_dev and story4_dev (written blind on 2026-12-04 with a fourth story,
# tests/data/story4, by a helper that saw none of the chain or the other sets) over all of those
# and story4, kept in .eval-index-story4. natural4_dev (48 chat questions, a fifth unanswerable, on
# an article no one working on the chain had read, tests/data/unseen3; written blind on 2026-12-04)
# over that article and the bundled one, kept in .eval-index-natural4. natural5_dev (50 chat
# questions) and conversation7_dev (20 conversations) on a fourth such article, tests/data/unseen4
# (written blind on 2026-12-04, twenty-eighth session), kept in .eval-index-natural5. natural6_dev
# (50 chat questions) and conversation8_dev (20 conversations) on a fifth, tests/data/unseen5 (a
# cattle disease outbreak; its dateline written "Kabarsolo.com, Boyolali - "; written blind on
# 2026-12-04, twenty-ninth session), kept in .eval-index-natural6. natural7_dev (50 chat questions)
# and conversation9_dev (20 conversations) on a sixth, tests/data/unseen6 (a landslide closing a
# road; written blind on 2026-12-05, thirty-second session), kept in .eval-index-natural7.
# natural8_dev (50 chat questions) and conversation10_dev (20 conversations) on a seventh,
# tests/data/unseen7 (a dengue outbreak closing a school; written blind on 2026-12-05, thirty-third
# session), kept in .eval-index-natural8. bare_followups_dev (48 conversations whose follow-ups are
# nothing but an asking word: "knp?", "kapan?", "sp yg bilang?", "where?"; written on 2026-12-05
# by a helper that read only the articles) over the bundled article and unseen3 to unseen6, kept in
# .eval-index-bare. natural9_dev (50 chat questions) and conversation11_dev (20 conversations) on an
# eighth, tests/data/unseen8 (a market fire whose burnt kiosks and losses two sources count
# differently; written blind on 2026-12-05, thirty-fourth session), kept in .eval-index-natural9.
# natural10_dev (40 chat questions on the bundled article, over it alone), kept in
# .eval-index-natural10; natural11_dev (50 chat questions) and conversation12_dev (20
# conversations) on a ninth article, tests/data/unseen9 (a ferry's engine failure whose passengers
# two sources count differently); all three written blind on 2026-12-05, thirty-fifth session,
# kept in .eval-index-natural11. natural12_dev (40 chat questions on the bundled article, over it
# alone), kept in .eval-index-natural12; natural13_dev (50 chat questions) and conversation13_dev
# (20 conversations) on a tenth article, tests/data/unseen10 (a school meal poisoning whose sick
# pupils the health office and the parents count differently); all three written blind on
# 2026-12-05, thirty-sixth session, kept in .eval-index-natural13. natural14_dev (50 chat questions)
# and conversation14_dev (20 conversations) on an eleventh article, tests/data/unseen11 (an illegal
# gold pit's collapse whose miners inside the disaster agency and the village head count
# differently); written blind at the end of the thirty-seventh session, kept in .eval-index-natural14.
# natural15_dev (50 chat questions) and conversation15_dev (20 conversations) on a twelfth article,
# tests/data/unseen12 (a harbour's fish price collapse whose boats landed the fisheries office and
# the fishermen's group count differently); written blind at the start of the thirty-ninth session
# and measured before any change of it, kept in .eval-index-natural15. natural16_dev (50 chat
# questions) and conversation16_dev (20 conversations) on a thirteenth article, tests/data/unseen13
# (a broken water main leaving a city's homes without water, whose homes cut off the water company
# and the customers' forum count differently); written blind at the start of the fortieth session
# and measured before any change of it, kept in .eval-index-natural16.
# natural17_dev (50 chat questions) and conversation17_dev (20 conversations) on a fourteenth
# article, tests/data/unseen14 (a dengue outbreak declared in three sub-districts, whose November
# cases the health office and a citizens' health forum count differently); written blind at the
# start of the forty-first session and measured before any change of it, kept in .eval-index-natural17.
# natural18_dev (50 chat questions) and conversation18_dev (20 conversations) on a fifteenth
# article, tests/data/unseen15 (subsidised fertiliser running short before planting, whose farmers
# still unserved the agriculture office and the farmers' group count differently); written blind
# at the start of the forty-second session and measured before any change of it, kept in
# .eval-index-natural18. natural19_dev (50 chat questions) and conversation19_dev (20 conversations)
# on a sixteenth article, tests/data/unseen16 (wild elephants raiding a village's farms, whose
# damaged hectares the conservation agency and the farmers' group count differently); written blind
# at the start of the forty-third session and measured before any change of it, kept in
# .eval-index-natural19. natural20_dev (50 chat questions) and conversation20_dev (20
# conversations) on a seventeenth article, tests/data/unseen17 (a rabies outbreak declared after
# two deaths while human vaccine runs short, whose dogs the livestock office and a community forum
# count differently); written blind at the start of the forty-fourth session and measured before
# any change of it, kept in .eval-index-natural20. natural21_dev (50 chat questions) and
# conversation21_dev (20 conversations) on an eighteenth article, tests/data/unseen18 (a landfill
# closed under a ministry's sanction while rubbish piles up, whose uncollected tonnes the
# environment office and a residents' forum count differently); written blind at the start of the
# forty-fifth session and measured before any change of it, kept in .eval-index-natural21.
# natural22_dev (50 chat questions) and conversation22_dev (20 conversations) on a nineteenth
# article, tests/data/unseen19 (contract teachers who passed the 2025 selection still without their
# appointment letters, whose number the personnel agency and the teachers' forum count
# differently); written blind at the start of the forty-sixth session and measured before any
# change of it, kept in .eval-index-natural22.
# natural23_dev (50 chat questions) and conversation23_dev (20 conversations) on a twentieth
# article, tests/data/unseen20 (a beach's entrance fee raised from Rp10.000 to Rp35.000, whose
# visitors and traders the regency and the local tourism group count differently); written blind
# at the start of the forty-seventh session and measured before any change of it, kept in
# .eval-index-natural23.
# natural24_dev (50 chat questions) and conversation24_dev (20 conversations) on a twenty-first
# article, tests/data/unseen21 (a primary school's classroom roof that fell in on its pupils, whose
# badly damaged classrooms the education office and the teachers' union count differently);
# written blind at the start of the forty-eighth session and measured before any change of it,
# kept in .eval-index-natural24.
# natural25_dev (50 chat questions) and conversation25_dev (20 conversations) on a twenty-second
# article, tests/data/unseen22 (a village's residents against a telecom tower being built beside
# homes and a school, whose households that agreed the company and the residents' forum count
# differently); written blind at the start of the forty-ninth session and measured before any
# change of it, kept in .eval-index-natural25.
# natural26_dev (50 chat questions) and conversation26_dev (20 conversations) on a twenty-third
# article, tests/data/unseen23 (a district's mangrove replanting whose seedlings died, whose
# surviving share the environment office and the fishermen's group count differently); written
# blind at the start of the fiftieth session and measured before any change of it, kept in
# .eval-index-natural26.
# natural27_dev (50 chat questions) and conversation27_dev (20 conversations) on a twenty-fourth
# article, tests/data/unseen24 (an audit of a regency's stunting programme that found food-aid money
# without proof of delivery, whose stunted children the health office and a volunteer group count
# differently); written blind at the start of the fifty-first session and measured before any
# change of it, kept in .eval-index-natural27.
# natural28_dev (50 chat questions) and conversation28_dev (20 conversations) on a twenty-fifth
# article, tests/data/unseen25 (villagers demanding the land compensation owed for a dam, whose
# protesters the police and the organisers count differently); written blind at the start of the
# fifty-second session and measured before any change of it, kept in .eval-index-natural28.
# natural29_dev (50 chat questions) and conversation29_dev (20 conversations) on a twenty-sixth
# article, tests/data/unseen26 (a bridge closed for repairs, whose detour the public works office
# and the truck drivers' association measure differently); written blind at the start of the
# fifty-third session and measured before any change of it, kept in .eval-index-natural29.
# natural30_dev (50 chat questions) and conversation30_dev (20 conversations) on a twenty-seventh
# article, tests/data/unseen27 (rice fields lost to rats, whose area the agriculture office and the
# farmers' association count differently); written blind at the start of the fifty-fourth session
# and measured before any change of it, kept in .eval-index-natural30.
# natural31_dev (50 chat questions) and conversation31_dev (20 conversations) on a twenty-eighth
# article, tests/data/unseen28 (a market's traders moved to a new building, whose count the trade
# office and the traders' association give differently); written blind at the start of the
# fifty-fifth session and measured before any change of it, kept in .eval-index-natural31.
# natural32_dev (50 chat questions) and conversation32_dev (20 conversations) on a twenty-ninth
# article, tests/data/unseen29 (a health centre four months without a doctor, whose residents'
# referrals to town the health office and the residents' forum count differently); written blind
# at the end of the fifty-fifth session and measured with its last code, kept in .eval-index-natural32.
# natural33_dev (50 chat questions) and conversation33_dev (20 conversations) on a thirtieth
# article, tests/data/unseen30 (a fishing harbour's channel silting up, whose boats held in the
# estuary the fisheries office and the fishermen's association count differently); written blind
# at the start of the fifty-sixth session and measured before any change of it, kept in .eval-index-natural33.
# natural34_dev (50 chat questions) and conversation34_dev (20 conversations) on a thirty-first
# article, tests/data/unseen31 (villages buying tanker water in a long dry season, whose affected
# households the disaster agency and a residents' forum count differently); written blind at the
# end of the fifty-sixth session and measured with its last code, kept in .eval-index-natural34.
# natural35_dev (50 chat questions) and conversation35_dev (20 conversations) on a thirty-second
# article, tests/data/unseen32 (street lights dark for months along a regency road after copper
# cable thefts, whose dark lamps the transport agency and a residents' forum count differently);
# written blind at the start of the fifty-seventh session and measured before any change of it,
# kept in .eval-index-natural35.
# natural36_dev (50 chat questions) and conversation36_dev (20 conversations) on a thirty-third
# article, tests/data/unseen33 (residents of a regency waiting months for electronic ID cards for
# want of blank cards, whom the registry office and a residents' forum count differently); written
# blind at the end of the fifty-seventh session and measured with its last code, kept in
# .eval-index-natural36.
# natural37_dev (50 chat questions) and conversation37_dev (20 conversations) on a thirty-fourth
# article, tests/data/unseen34 (a village head election's recount, whose invalid ballots the
# election committee and the losing candidate's team count differently); written blind at the
# start of the fifty-eighth session and measured before any change of it, kept in .eval-index-natural37.
# natural38_dev (50 chat questions) and conversation38_dev (20 conversations) on a thirty-fifth
# article, tests/data/unseen35 (a public cemetery running out of plots, whose empty plots the
# regency office and a residents' forum count differently); written blind at the start of the
# fifty-ninth session and measured before any change of it, kept in .eval-index-natural38.
# natural39_dev (50 chat questions) and conversation39_dev (20 conversations) on a thirty-sixth
# article, tests/data/unseen36 (residents waiting for land certificates of the free registration
# programme, whose outstanding plots the land office and a residents' forum count differently);
# written blind at the end of the fifty-ninth session and measured with its last code, kept in
# .eval-index-natural39.
# natural40_dev (50 chat questions) and conversation40_dev (20 conversations) on a thirty-seventh
# article, tests/data/unseen37 (a rise in the price of medium rice, whose average price the trade
# office and the traders' association count differently); written blind at the start of the
# sixtieth session and measured before any change of it, kept in .eval-index-natural40.
# natural41_dev (50 chat questions) and conversation41_dev (20 conversations) on a thirty-eighth
# article, tests/data/unseen38 (free health-insurance cards (BPJS PBI) deactivated, whose number
# the social affairs office and a residents' forum count differently); written blind at the start
# of the sixty-first session and measured before any change of it, kept in .eval-index-natural41.
# natural42_dev (50 chat questions) and conversation42_dev (20 conversations) on a thirty-ninth
# article, tests/data/unseen39 (land and building tax (PBB-P2) bills raised after the land values
# were updated, whose average rise the revenue agency and a residents' forum count differently);
# written blind at the start of the sixty-second session and measured before any change of it,
# kept in .eval-index-natural42.
# natural43_dev (50 chat questions) and conversation43_dev (20 conversations) on a fortieth
# article, tests/data/unseen40 (residents' complaint about the smell and flies of a chicken farm,
# whose distance to the nearest house the environment agency and a residents' forum measure
# differently); written blind at the start of the sixty-third session and measured before any
# change of it, kept in .eval-index-natural43.
# natural44_dev (50 chat questions) and conversation44_dev (20 conversations) on a forty-first
# article, tests/data/unseen41 (free halal certificates for small food businesses lagging after
# the deadline, whose number issued the trade office and a small-business forum count
# differently); written blind at the start of the sixty-fourth session and measured before any
# change of it, kept in .eval-index-natural44.
DEV_SETS := $(EVAL_DIR)/seed_dev.jsonl tests/data/natural_dev.jsonl tests/data/unseen_dev.jsonl tests/data/conversation_dev.jsonl tests/data/conversation2_dev.jsonl \
	tests/data/story_dev.jsonl tests/data/disagree_dev.jsonl tests/data/natural2_dev.jsonl tests/data/disagree2_dev.jsonl tests/data/natural3_dev.jsonl tests/data/changed_dev.jsonl tests/data/changed2_dev.jsonl tests/data/conversation3_dev.jsonl tests/data/conversation4_dev.jsonl tests/data/conversation6_dev.jsonl tests/data/gist_dev.jsonl tests/data/gist2_dev.jsonl \
	$(EVAL_DIR)/facqa_valid.jsonl $(EVAL_DIR)/tydiqa_id_valid.jsonl $(EVAL_DIR)/idkmrc_valid.jsonl

# EVAL_DETAILS=DIR writes every answer (`tanya eval --details`) to DIR, a file per index, so that two
# runs can be paired question by question: `python bench/compare.py BEFORE_DIR AFTER_DIR`.
# EVAL_MODELS=FILE answers with fitted models other than the shipped ones (bench/fit_models.py --out).
EVAL_DETAILS ?=
EVAL_MODELS ?=
# $(call kept_in,NAME): the index kept in .NAME, and the answers written to NAME.jsonl
kept_in = --index-dir .$(1) $(if $(EVAL_MODELS),--models "$(EVAL_MODELS)") $(if $(EVAL_DETAILS),--details "$(EVAL_DETAILS)/$(1).jsonl")

# One model cache for every index of make eval (an index's own is a copy of the model, 0.8 GB: about
# 20 GB over these indexes); a TANYA_MODEL_CACHE_DIR in the environment is kept.
eval: export TANYA_MODEL_CACHE_DIR ?= $(CURDIR)/.eval-models
eval: $(STAMP)
	$(if $(EVAL_DETAILS),mkdir -p "$(EVAL_DETAILS)")
	$(TANYA) eval $(DEV_SETS) --articles tests/data/unseen --articles tests/data/unseen2 --articles tests/data/story $(call kept_in,eval-index)
	$(TANYA) eval tests/data/news_dev.jsonl --articles tests/data/news $(call kept_in,eval-index-news)
	$(TANYA) eval tests/data/offtopic_dev.jsonl tests/data/switch_dev.jsonl tests/data/switch3_dev.jsonl --articles tests/data/unseen --articles tests/data/unseen2 --articles tests/data/story $(call kept_in,eval-index-off)
	$(TANYA) eval tests/data/changed3_dev.jsonl tests/data/changed4_dev.jsonl tests/data/conversation5_dev.jsonl --articles tests/data/unseen --articles tests/data/unseen2 --articles tests/data/story --articles tests/data/story2 --articles tests/data/story3 $(call kept_in,eval-index-stories)
	$(TANYA) eval tests/data/changed5_dev.jsonl tests/data/story4_dev.jsonl --articles tests/data/unseen --articles tests/data/unseen2 --articles tests/data/story --articles tests/data/story2 --articles tests/data/story3 --articles tests/data/story4 $(call kept_in,eval-index-story4)
	$(TANYA) eval tests/data/natural4_dev.jsonl --articles tests/data/unseen3 $(call kept_in,eval-index-natural4)
	$(TANYA) eval tests/data/natural5_dev.jsonl tests/data/conversation7_dev.jsonl --articles tests/data/unseen4 $(call kept_in,eval-index-natural5)
	$(TANYA) eval tests/data/natural6_dev.jsonl tests/data/conversation8_dev.jsonl --articles tests/data/unseen5 $(call kept_in,eval-index-natural6)
	$(TANYA) eval tests/data/natural7_dev.jsonl tests/data/conversation9_dev.jsonl --articles tests/data/unseen6 $(call kept_in,eval-index-natural7)
	$(TANYA) eval tests/data/natural8_dev.jsonl tests/data/conversation10_dev.jsonl --articles tests/data/unseen7 $(call kept_in,eval-index-natural8)
	$(TANYA) eval tests/data/natural9_dev.jsonl tests/data/conversation11_dev.jsonl --articles tests/data/unseen8 $(call kept_in,eval-index-natural9)
	$(TANYA) eval tests/data/natural10_dev.jsonl $(call kept_in,eval-index-natural10)
	$(TANYA) eval tests/data/natural11_dev.jsonl tests/data/conversation12_dev.jsonl --articles tests/data/unseen9 $(call kept_in,eval-index-natural11)
	$(TANYA) eval tests/data/natural12_dev.jsonl $(call kept_in,eval-index-natural12)
	$(TANYA) eval tests/data/natural13_dev.jsonl tests/data/conversation13_dev.jsonl --articles tests/data/unseen10 $(call kept_in,eval-index-natural13)
	$(TANYA) eval tests/data/natural14_dev.jsonl tests/data/conversation14_dev.jsonl --articles tests/data/unseen11 $(call kept_in,eval-index-natural14)
	$(TANYA) eval tests/data/natural15_dev.jsonl tests/data/conversation15_dev.jsonl --articles tests/data/unseen12 $(call kept_in,eval-index-natural15)
	$(TANYA) eval tests/data/natural16_dev.jsonl tests/data/conversation16_dev.jsonl --articles tests/data/unseen13 $(call kept_in,eval-index-natural16)
	$(TANYA) eval tests/data/natural17_dev.jsonl tests/data/conversation17_dev.jsonl --articles tests/data/unseen14 $(call kept_in,eval-index-natural17)
	$(TANYA) eval tests/data/natural18_dev.jsonl tests/data/conversation18_dev.jsonl --articles tests/data/unseen15 $(call kept_in,eval-index-natural18)
	$(TANYA) eval tests/data/natural19_dev.jsonl tests/data/conversation19_dev.jsonl --articles tests/data/unseen16 $(call kept_in,eval-index-natural19)
	$(TANYA) eval tests/data/natural20_dev.jsonl tests/data/conversation20_dev.jsonl --articles tests/data/unseen17 $(call kept_in,eval-index-natural20)
	$(TANYA) eval tests/data/natural21_dev.jsonl tests/data/conversation21_dev.jsonl --articles tests/data/unseen18 $(call kept_in,eval-index-natural21)
	$(TANYA) eval tests/data/natural22_dev.jsonl tests/data/conversation22_dev.jsonl --articles tests/data/unseen19 $(call kept_in,eval-index-natural22)
	$(TANYA) eval tests/data/natural23_dev.jsonl tests/data/conversation23_dev.jsonl --articles tests/data/unseen20 $(call kept_in,eval-index-natural23)
	$(TANYA) eval tests/data/natural24_dev.jsonl tests/data/conversation24_dev.jsonl --articles tests/data/unseen21 $(call kept_in,eval-index-natural24)
	$(TANYA) eval tests/data/natural25_dev.jsonl tests/data/conversation25_dev.jsonl --articles tests/data/unseen22 $(call kept_in,eval-index-natural25)
	$(TANYA) eval tests/data/natural26_dev.jsonl tests/data/conversation26_dev.jsonl --articles tests/data/unseen23 $(call kept_in,eval-index-natural26)
	$(TANYA) eval tests/data/natural27_dev.jsonl tests/data/conversation27_dev.jsonl --articles tests/data/unseen24 $(call kept_in,eval-index-natural27)
	$(TANYA) eval tests/data/natural28_dev.jsonl tests/data/conversation28_dev.jsonl --articles tests/data/unseen25 $(call kept_in,eval-index-natural28)
	$(TANYA) eval tests/data/natural29_dev.jsonl tests/data/conversation29_dev.jsonl --articles tests/data/unseen26 $(call kept_in,eval-index-natural29)
	$(TANYA) eval tests/data/natural30_dev.jsonl tests/data/conversation30_dev.jsonl --articles tests/data/unseen27 $(call kept_in,eval-index-natural30)
	$(TANYA) eval tests/data/natural31_dev.jsonl tests/data/conversation31_dev.jsonl --articles tests/data/unseen28 $(call kept_in,eval-index-natural31)
	$(TANYA) eval tests/data/natural32_dev.jsonl tests/data/conversation32_dev.jsonl --articles tests/data/unseen29 $(call kept_in,eval-index-natural32)
	$(TANYA) eval tests/data/natural33_dev.jsonl tests/data/conversation33_dev.jsonl --articles tests/data/unseen30 $(call kept_in,eval-index-natural33)
	$(TANYA) eval tests/data/natural34_dev.jsonl tests/data/conversation34_dev.jsonl --articles tests/data/unseen31 $(call kept_in,eval-index-natural34)
	$(TANYA) eval tests/data/natural35_dev.jsonl tests/data/conversation35_dev.jsonl --articles tests/data/unseen32 $(call kept_in,eval-index-natural35)
	$(TANYA) eval tests/data/natural36_dev.jsonl tests/data/conversation36_dev.jsonl --articles tests/data/unseen33 $(call kept_in,eval-index-natural36)
	$(TANYA) eval tests/data/natural37_dev.jsonl tests/data/conversation37_dev.jsonl --articles tests/data/unseen34 $(call kept_in,eval-index-natural37)
	$(TANYA) eval tests/data/natural38_dev.jsonl tests/data/conversation38_dev.jsonl --articles tests/data/unseen35 $(call kept_in,eval-index-natural38)
	$(TANYA) eval tests/data/natural39_dev.jsonl tests/data/conversation39_dev.jsonl --articles tests/data/unseen36 $(call kept_in,eval-index-natural39)
	$(TANYA) eval tests/data/natural40_dev.jsonl tests/data/conversation40_dev.jsonl --articles tests/data/unseen37 $(call kept_in,eval-index-natural40)
	$(TANYA) eval tests/data/natural41_dev.jsonl tests/data/conversation41_dev.jsonl --articles tests/data/unseen38 $(call kept_in,eval-index-natural41)
	$(TANYA) eval tests/data/natural42_dev.jsonl tests/data/conversation42_dev.jsonl --articles tests/data/unseen39 $(call kept_in,eval-index-natural42)
	$(TANYA) eval tests/data/natural43_dev.jsonl tests/data/conversation43_dev.jsonl --articles tests/data/unseen40 $(call kept_in,eval-index-natural43)
	$(TANYA) eval tests/data/natural44_dev.jsonl tests/data/conversation44_dev.jsonl --articles tests/data/unseen41 $(call kept_in,eval-index-natural44)
	$(TANYA) eval tests/data/bare_followups_dev.jsonl --articles tests/data/unseen3 --articles tests/data/unseen4 --articles tests/data/unseen5 --articles tests/data/unseen6 $(call kept_in,eval-index-bare)

# The held-out sets, which nothing is fitted or chosen on (docs/quality.md): the third written
# rounds and the first training conversations over one index of their articles, then
# news_train_round3, conversations_train, conversations_train_round2 and news_train_round4
# article by article, each article over a small index of its own (bench/per_article_eval.py;
# the indexes are kept in .heldout-*). The answers go to HELDOUT_DETAILS (runs/heldout unless
# given), a folder per set, which bench/compare.py pairs; EVAL_MODELS as for eval.
HELDOUT_DETAILS ?= runs/heldout
HELDOUT_ARTICLES := news_train_round3 conversations_train conversations_train_round2 news_train_round4
heldout: export TANYA_MODEL_CACHE_DIR ?= $(CURDIR)/.eval-models
heldout: $(STAMP)
	mkdir -p "$(HELDOUT_DETAILS)"
	$(TANYA) eval bench/data/chat_train_round3.jsonl bench/data/news_train_round3.jsonl bench/data/conversations_train.jsonl --index-dir .heldout-index $(if $(EVAL_MODELS),--models "$(EVAL_MODELS)") --details "$(HELDOUT_DETAILS)/r3.jsonl"
	set -e; for set in $(HELDOUT_ARTICLES); do \
		$(BIN)/python bench/per_article_eval.py bench/data/$$set.jsonl --index-root .heldout-$$set $(if $(EVAL_MODELS),--models "$(EVAL_MODELS)") --details "$(HELDOUT_DETAILS)/$$set"; \
	done

# Write bot/chain/data/en_id_dictionary.txt again (the English words the glossary lacks, from
# Debian's FreeDict English-Indonesian dictionary, downloaded once into .fit-cache/freedict; the
# file is in the repository, so nothing else needs this). bench/build_dictionary.py says how.
dictionary: $(STAMP)
	mkdir -p .fit-cache/freedict
	test -n "$$(ls .fit-cache/freedict/dict-freedict-eng-ind_*.deb 2>/dev/null)" || (cd .fit-cache/freedict && apt-get download dict-freedict-eng-ind)
	dpkg-deb -x "$$(ls .fit-cache/freedict/dict-freedict-eng-ind_*.deb | tail -1)" .fit-cache/freedict/unpacked
	$(BIN)/python bench/build_dictionary.py --dict .fit-cache/freedict/unpacked/usr/share/dictd

# Refit the answering models on ../shared/train, bench/data/chat_train.jsonl and news_train.jsonl (about 15 minutes
# the first time, which builds the training index in .fit-cache; bench/fit_models.py --help for ablations).
# The asking words and the opposites are fitted first: the models' features read them. Then the
# models for the bundled embedding model, and those for an index of any other (--lexical).
fit: $(STAMP)
	$(BIN)/python bench/fit_asking_words.py
	$(BIN)/python bench/fit_opposites.py
	HF_HUB_OFFLINE=1 $(BIN)/python bench/fit_models.py
	HF_HUB_OFFLINE=1 $(BIN)/python bench/fit_models.py --lexical

clean:
	rm -rf $(VENV) build *.egg-info .pytest_cache .mypy_cache .ruff_cache .test-models
