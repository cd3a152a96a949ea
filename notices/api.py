"""API: the caller's own notices."""

from rest_framework import generics, serializers

from notices import selectors
from notices.models import Notice


class NoticeOutputSerializer(serializers.ModelSerializer):
    subject = serializers.CharField(read_only=True)

    class Meta:
        model = Notice
        fields = ["id", "event", "subject", "link", "created_at", "sent_at", "read_at"]


class NoticeListApi(generics.ListAPIView):
    serializer_class = NoticeOutputSerializer

    queryset = Notice.objects.none()  # the schema's; callers get their own inbox

    def get_queryset(self):  # type: ignore[no-untyped-def]
        return selectors.notice_inbox(user=self.request.user)
