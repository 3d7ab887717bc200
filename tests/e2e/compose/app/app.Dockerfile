FROM local/busybox:1 AS build
ARG GREETING
RUN echo "$GREETING" > /greeting

FROM base AS runtime
ARG LISTEN
COPY --from=build /greeting /srv/greeting
COPY data/ /srv/data/
ENV LISTEN=${LISTEN} APP=app
EXPOSE ${LISTEN}
USER 10001
WORKDIR /srv
ENTRYPOINT ["/bin/sh", "-c"]
CMD ["cat /srv/greeting"]
