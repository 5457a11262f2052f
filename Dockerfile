# The web service: gunicorn (config/gunicorn.conf.py) serving config.settings.production.
FROM python:3.11-slim-bookworm

ENV PYTHONDONTWRITEBYTECODE=1 \
    PYTHONUNBUFFERED=1 \
    DJANGO_SETTINGS_MODULE=config.settings.production

RUN apt-get update \
    && apt-get install -y --no-install-recommends graphviz \
    && rm -rf /var/lib/apt/lists/*

WORKDIR /app
COPY requirements.txt .
# The production lock only: every transitive dependency pinned and hashed, installed from wheels.
RUN pip install --no-cache-dir --require-hashes --only-binary :all: -r requirements.txt

COPY . .
# collectstatic needs settings to import; the build-time key is never used to sign anything.
RUN DJANGO_SECRET_KEY=build-only DJANGO_ALLOWED_HOSTS=build python manage.py collectstatic --no-input

RUN useradd --create-home campus
USER campus
EXPOSE 8000
CMD ["gunicorn", "-c", "config/gunicorn.conf.py"]
