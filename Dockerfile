FROM python:3.11-slim-bookworm
ENV PYTHONUNBUFFERED=1 PYTHONDONTWRITEBYTECODE=1
WORKDIR /app
COPY pyproject.toml ./
RUN pip install --no-cache-dir .
COPY . .
RUN SECRET_KEY=collectstatic-only python manage.py collectstatic --noinput
RUN useradd --create-home lasso
USER lasso
EXPOSE 8000
CMD ["gunicorn", "lasso.wsgi", "--bind", "0.0.0.0:8000", "--workers", "3", "--timeout", "30"]
