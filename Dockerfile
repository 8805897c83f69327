# The HIROAM image: web, worker and beat all run from it (see docker-compose.yml).
FROM python:3.13-slim
ENV PYTHONDONTWRITEBYTECODE=1 PYTHONUNBUFFERED=1
WORKDIR /app
COPY . .
RUN pip install --no-cache-dir -c constraints.txt . && useradd --create-home hiroam
USER hiroam
EXPOSE 8000
CMD ["bin/hiroam", "web"]
