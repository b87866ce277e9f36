// django-recurrence's widget expects django.contrib.admin's `django.jQuery`; Wagtail's admin
// already loads jQuery, so point to it instead of loading a second copy.
window.django = window.django || {};
window.django.jQuery = window.django.jQuery || window.jQuery;
