# A Python app. Put app.py and requirements.txt next to this file.
FROM python:3.12-slim

# Print output straight away instead of buffering it.
ENV PYTHONUNBUFFERED=1
WORKDIR /app

# Dependencies first: this layer is reused until requirements.txt changes.
COPY requirements.txt .
RUN pip install --no-cache-dir -r requirements.txt

# Then the code, which changes more often.
COPY . .

# Run as a normal user, not root.
RUN useradd --create-home app
USER app

EXPOSE 8000
CMD ["python", "app.py"]
