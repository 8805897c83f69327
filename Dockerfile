# The HIROAM image: web, worker and beat all run from it (see docker-compose.yml).
FROM python:3.13-slim
ENV PYTHONDONTWRITEBYTECODE=1 PYTHONUNBUFFERED=1
# The app runs as hiroam and owns /app, so `bin/hiroam prepare` (collectstatic) can write
# /app/staticfiles.
RUN useradd --create-home hiroam && install -d -o hiroam -g hiroam /app
WORKDIR /app
COPY --chown=hiroam:hiroam . .
RUN pip install --no-cache-dir -c constraints.txt .
USER hiroam
# Static files are collected into the image: every container (web, worker, beat, prepare) has
# its own filesystem, so files collected by `bin/hiroam prepare` would not reach the web
# container, and with DEBUG off WhiteNoise's manifest storage answers 500 without them. The
# variables only let the settings load for this command; none of them reaches a running container.
RUN HIROAM_READ_DOTENV=false DEBUG=false SECRET_KEY=collectstatic-only \
    FIELD_ENCRYPTION_KEYS=Y29sbGVjdHN0YXRpYy1vbmx5LW5vdC1hLXJlYWwta2V5 \
    SANDBOX_ALLOW_WITHOUT_DEBUG=true python manage.py collectstatic --no-input --verbosity 0
EXPOSE 8000
CMD ["bin/hiroam", "web"]
