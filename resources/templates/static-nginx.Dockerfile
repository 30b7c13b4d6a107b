# A static website. Put index.html (and the rest) in a folder called site.
FROM nginx:1.27-alpine

# nginx serves whatever is in this folder.
COPY site/ /usr/share/nginx/html/

EXPOSE 80
# The nginx image already has the right CMD; nothing else to add.
