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
EXPOSE 8000
CMD ["bin/hiroam", "web"]
